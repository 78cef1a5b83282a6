package org.lomospark.datasets.prepare;

import java.io.Serializable;
import org.apache.spark.sql.Row;

/** A row and the table it belongs to: one pass over the sources yields rows of every table. */
record Tagged(Table table, Row row) implements Serializable {}
