import sbt._
import sbt.Keys._
import scala.xml.{Elem, Node, XML}

/**
 * sbt on the Maven build: sbt-pom-reader makes one project per Maven module, with its dependencies, from the poms.
 * What it does not carry over is read from the poms here, so they stay the one description of the build:
 *  - the Scala version (the root pom's scala.version);
 *  - the tests' JVM: surefire's argLine, environmentVariables and each module's systemPropertyVariables, forked;
 *  - the files maven-dependency-plugin copies for the tests (S3Proxy's self-contained jar);
 *  - each module's resources from other directories (the trainer's embedded defaults from conf/);
 *  - which tests `test` runs: those Maven's test phase runs, not the *IT ones it runs after package.
 * JUnit 5 tests run through jupiter-interface (project/plugins.sbt; the root pom's test dependency).
 */
object LomoBuild extends sbtpomreader.PomBuild {
  override def projectDefinitions(baseDirectory: File): Seq[Project] = {
    val checkout = baseDirectory.getAbsoluteFile
    val root = XML.loadFile(checkout / "pom.xml")
    val properties = (root \ "properties").flatMap(_.child).collect { case e: Elem => e.label -> e.text }.toMap +
      ("maven.multiModuleProjectDirectory" -> checkout.getPath)
    val rootSurefire = plugin(root, "maven-surefire-plugin") \ "configuration"
    val argLine = expand((rootSurefire \ "argLine").text, checkout, properties).split("\\s+").filter(_.nonEmpty).toSeq
    val environment = elements(rootSurefire \ "environmentVariables")
    super.projectDefinitions(baseDirectory).map { p =>
      p.settings(
        scalaVersion := properties("scala.version"),
        sourcesInBase := false, // Maven's layout only (bench/ holds single-file programs beside its sources)
        Compile / unmanagedResources ++= extraResources(Keys.baseDirectory.value, properties),
        Test / fork := true,
        Test / envVars ++= environment,
        Test / testOptions += Tests.Filter(name => !name.endsWith("IT")),
        Test / javaOptions ++= {
          val module = Keys.baseDirectory.value
          copyTestArtifacts(module, properties, dependencyResolution.value, scalaModuleInfo.value,
            streams.value.log)
          argLine ++ systemProperties(module, properties)
        }
      )
    }
  }

  private def pom(module: File): Option[Node] =
    Some(module / "pom.xml").filter(_.exists).map(f => XML.loadFile(f))

  private def plugin(pom: Node, artifactId: String): Seq[Node] =
    (pom \ "build" \\ "plugin").filter(p => (p \ "artifactId").text == artifactId)

  private def elements(nodes: Seq[Node]): Map[String, String] =
    nodes.flatMap(_.child).collect { case e: Elem => e.label -> e.text.trim }.toMap

  /** A pom value with its ${...}: the module's directories, then the root pom's properties. */
  private def expand(value: String, module: File, properties: Map[String, String]): String =
    properties.foldLeft(value.replace("${project.build.directory}", (module / "target").getPath)
      .replace("${project.basedir}", module.getPath)) { case (v, (k, x)) => v.replace("${" + k + "}", x) }

  /** The module's surefire systemPropertyVariables, as -D flags. */
  private def systemProperties(module: File, properties: Map[String, String]): Seq[String] =
    pom(module).toSeq.flatMap(p => elements(plugin(p, "maven-surefire-plugin") \ "configuration" \
      "systemPropertyVariables")).map { case (k, v) => s"-D$k=${expand(v, module, properties)}" }

  /** The files a module's pom adds as resources from other directories: {@code <resource>} with includes. */
  private def extraResources(module: File, properties: Map[String, String]): Seq[File] =
    pom(module).toSeq.flatMap(p => p \ "build" \ "resources" \ "resource").flatMap { r =>
      val dir = file(expand((r \ "directory").text, module, properties))
      (r \ "includes" \ "include").map(i => dir / i.text).filter(_.exists)
    }

  /** Runs the module's maven-dependency-plugin copy executions: each artifact item into its output directory. */
  private def copyTestArtifacts(module: File, properties: Map[String, String],
                                lm: librarymanagement.DependencyResolution,
                                scalaInfo: Option[librarymanagement.ScalaModuleInfo], log: Logger): Unit =
    for {
      p <- pom(module).toSeq
      execution <- plugin(p, "maven-dependency-plugin") \ "executions" \ "execution"
      if (execution \ "goals" \ "goal").exists(_.text == "copy")
      item <- execution \ "configuration" \ "artifactItems" \ "artifactItem"
    } {
      def field(name: String) = expand((item \ name).text.trim, module, properties)
      val dest = file(expand((execution \ "configuration" \ "outputDirectory").text, module, properties)) /
        field("destFileName")
      if (!dest.exists) {
        val classifier = field("classifier")
        val id = (field("groupId") % field("artifactId") % field("version")).intransitive()
        val wanted = if (classifier.isEmpty) id else id.classifier(classifier)
        lm.retrieve(wanted, scalaInfo, IO.createTemporaryDirectory, log) match {
          case Right(files) =>
            val jar = files.find(f => classifier.nonEmpty && f.getName.contains(classifier)).getOrElse(files.head)
            IO.copyFile(jar, dest)
          case Left(unresolved) => throw unresolved.resolveException
        }
      }
    }
}
