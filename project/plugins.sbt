// sbt builds from the Maven build: sbt-pom-reader makes the modules and their dependencies from pom.xml
addSbtPlugin("com.github.sbt" % "sbt-pom-reader" % "2.5.0")
// JUnit 5 for sbt test: finds the Jupiter tests (package-private classes and methods too) and runs them through
// jupiter-interface, the test dependency the root pom declares at the same version
addSbtPlugin("com.github.sbt.junit" % "sbt-jupiter-interface" % "0.15.1")
