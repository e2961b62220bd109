package com.modelpress.engine;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The engine is plain Java: no framework, and ONNX Runtime only behind the evaluation package. */
@AnalyzeClasses(packages = "com.modelpress.engine", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule noFramework = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("org.springframework..", "jakarta..", "tools.jackson..", "com.fasterxml..");

    @ArchTest
    static final ArchRule onnxRuntimeOnlyInEvaluation = noClasses()
            .that().resideOutsideOfPackage("com.modelpress.engine.evaluation..")
            .should().dependOnClassesThat().resideInAPackage("ai.onnxruntime..");

    @ArchTest
    static final ArchRule methodsDoNotKnowEachOther = noClasses()
            .that().resideInAnyPackage("com.modelpress.engine.fp16..", "com.modelpress.engine.int8..",
                    "com.modelpress.engine.dynamic..", "com.modelpress.engine.int4..")
            .should().dependOnClassesThat().resideInAnyPackage("com.modelpress.engine.evaluation..");
}
