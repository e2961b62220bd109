package com.modelpress.report;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The renderer is plain Java over the report records: usable by the API and the CLI alike, on neither's side. */
@AnalyzeClasses(packages = "com.modelpress.report", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule plainJava = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("org.springframework..", "jakarta..", "tools.jackson..", "com.fasterxml..",
                    "ai.onnxruntime..", "com.modelpress.engine..", "com.modelpress.api..", "com.modelpress.worker..",
                    "com.modelpress.cli..");
}
