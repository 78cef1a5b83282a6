package org.lomospark.bench.prepare;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Where a Spark action's time went: the wall time of each Spark job and stage it ran, with the stage's summed
 * task metrics, from the scheduler's own timestamps (so the listener bus delivering late changes no number).
 *
 * <pre>
 * SparkPhases phases = SparkPhases.attach(spark);
 * phases.clear();
 * PrepareStage.run(spark, spec);
 * SparkPhases.Recorded r = phases.drain();
 * </pre>
 */
final class SparkPhases extends SparkListener {
    private static final String MARKER = "lomospark.bench.marker";
    /** The job property that names the SQL query a job belongs to (Spark's SQLExecution.EXECUTION_ID_KEY). */
    private static final String SQL_EXECUTION_ID = "spark.sql.execution.id";

    /**
     * One completed stage; times in seconds, task times summed over its tasks. {@code action} is the call site of
     * the action that ran it: the SQL query's for stages of a query (adaptive execution submits those from its
     * own threads, so their own call sites name a thread pool), the stage's otherwise.
     */
    record Stage(int job, int stage, String action, int tasks, double seconds, double taskSeconds,
                 double cpuSeconds, double gcSeconds, long bytesWritten, long shuffleWritten, long shuffleRead,
                 long spilled) {}

    /** One Spark job's interval, scheduler milliseconds. */
    record Job(long startMs, long endMs) {}

    /** The jobs and stages since {@link #clear()}, in completion order. */
    record Recorded(List<Job> jobs, List<Stage> stages) {
        /** Seconds in which at least one Spark job ran: the union of the jobs' intervals. */
        double jobSeconds() {
            List<Job> sorted = new ArrayList<>(jobs);
            sorted.sort(Comparator.comparingLong(Job::startMs));
            long covered = 0;
            long end = Long.MIN_VALUE;
            for (Job j : sorted) {
                long from = Math.max(j.startMs(), end);
                if (j.endMs() > from) {
                    covered += j.endMs() - from;
                }
                end = Math.max(end, j.endMs());
            }
            return covered / 1e3;
        }

        /** Seconds from {@code callMs} to the first job's start (planning, listing the inputs). */
        double beforeFirstJob(long callMs) {
            return (jobs.stream().mapToLong(Job::startMs).min().orElse(callMs) - callMs) / 1e3;
        }

        /** Seconds from the last job's end to {@code returnMs}: driver work after the last action. */
        double afterLastJob(long returnMs) {
            return (returnMs - jobs.stream().mapToLong(Job::endMs).max().orElse(returnMs)) / 1e3;
        }
    }

    private final SparkSession spark;
    private final Map<Integer, Long> jobStarts = new HashMap<>();
    private final Map<Integer, Integer> stageJobs = new HashMap<>();
    private final Map<Integer, String> jobActions = new HashMap<>();
    private final Map<Long, String> queryActions = new HashMap<>();
    private final List<Job> jobs = new ArrayList<>();
    private final List<Stage> stages = new ArrayList<>();
    private int markerJob = -1;
    private CountDownLatch markerDone = new CountDownLatch(1);

    private SparkPhases(SparkSession spark) {
        this.spark = spark;
    }

    static SparkPhases attach(SparkSession spark) {
        SparkPhases p = new SparkPhases(spark);
        spark.sparkContext().addSparkListener(p);
        return p;
    }

    synchronized void clear() {
        jobStarts.clear();
        stageJobs.clear();
        jobActions.clear();
        queryActions.clear();
        jobs.clear();
        stages.clear();
    }

    /**
     * Runs a one-task marker job and waits for its end event: the bus delivers in order, so every event of the
     * actions before it has then arrived. Returns what was recorded and clears it.
     */
    Recorded drain() throws InterruptedException {
        CountDownLatch done;
        synchronized (this) {
            markerDone = new CountDownLatch(1);
            done = markerDone;
        }
        spark.sparkContext().setLocalProperty(MARKER, "true");
        try {
            spark.range(1).count();
        } finally {
            spark.sparkContext().setLocalProperty(MARKER, null);
        }
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the listener bus did not deliver the marker job's end in 60 s");
        }
        synchronized (this) {
            Recorded r = new Recorded(List.copyOf(jobs), List.copyOf(stages));
            clear();
            return r;
        }
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart e) {
        if (e.properties() != null && e.properties().getProperty(MARKER) != null) {
            markerJob = e.jobId();
            return;
        }
        jobStarts.put(e.jobId(), e.time());
        String query = e.properties() == null ? null : e.properties().getProperty(SQL_EXECUTION_ID);
        if (query != null && queryActions.containsKey(Long.parseLong(query))) {
            jobActions.put(e.jobId(), queryActions.get(Long.parseLong(query)));
        }
        for (StageInfo s : CollectionConverters.asJava(e.stageInfos())) {
            stageJobs.put(s.stageId(), e.jobId());
        }
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd e) {
        if (e.jobId() == markerJob) {
            markerDone.countDown();
            return;
        }
        Long start = jobStarts.remove(e.jobId());
        if (start != null) {
            jobs.add(new Job(start, e.time()));
        }
    }

    @Override
    public synchronized void onStageCompleted(SparkListenerStageCompleted e) {
        StageInfo s = e.stageInfo();
        Integer job = stageJobs.get(s.stageId());
        if (job == null || s.submissionTime().isEmpty() || s.completionTime().isEmpty()) {
            return; // the marker's stage, or one that never ran
        }
        long ms = (Long) s.completionTime().get() - (Long) s.submissionTime().get();
        TaskMetrics m = s.taskMetrics();
        stages.add(new Stage(job, s.stageId(), jobActions.getOrDefault(job, s.name()), s.numTasks(), ms / 1e3,
                m.executorRunTime() / 1e3, m.executorCpuTime() / 1e9, m.jvmGCTime() / 1e3,
                m.outputMetrics().bytesWritten(), m.shuffleWriteMetrics().bytesWritten(),
                m.shuffleReadMetrics().totalBytesRead(), m.diskBytesSpilled()));
    }

    /** A SQL query starts before its jobs: its description is the call site of the action, unless one was set. */
    @Override
    public synchronized void onOtherEvent(SparkListenerEvent e) {
        if (e instanceof SparkListenerSQLExecutionStart q) {
            queryActions.put(q.executionId(), q.description());
        }
    }
}
