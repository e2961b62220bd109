package com.modelpress.worker;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The worker's packages and which may use which: {@code intake → attempt → input, sandbox, events → failure}, no
 * cycles, and the engine's child JVM ({@code sandbox}) free of Spring so that it starts as plain Java.
 */
@AnalyzeClasses(packages = "com.modelpress.worker", importOptions = ImportOption.DoNotIncludeTests.class)
class WorkerArchitectureTest {

    private static final String WORKER = "com.modelpress.worker.";

    @ArchTest
    static final ArchRule noCycles = slices().matching("com.modelpress.worker.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule failureKnowsNoOtherPackage = noClasses().that().resideInAPackage(WORKER + "failure..")
            .should().dependOnClassesThat().resideInAnyPackage(WORKER + "attempt..", WORKER + "intake..",
                    WORKER + "input..", WORKER + "sandbox..", WORKER + "events..");

    @ArchTest
    static final ArchRule stagesDoNotKnowTheAttempt = noClasses()
            .that().resideInAnyPackage(WORKER + "input..", WORKER + "sandbox..", WORKER + "events..")
            .should().dependOnClassesThat().resideInAnyPackage(WORKER + "attempt..", WORKER + "intake..");

    @ArchTest
    static final ArchRule stagesDoNotKnowEachOtherBeyondTheTextsOfATask = noClasses()
            .that().resideInAnyPackage(WORKER + "input..", WORKER + "events..")
            .should().dependOnClassesThat().resideInAnyPackage(WORKER + "sandbox..");

    @ArchTest
    static final ArchRule eventsAndSandboxApart = noClasses()
            .that().resideInAnyPackage(WORKER + "sandbox..", WORKER + "input..")
            .should().dependOnClassesThat().resideInAnyPackage(WORKER + "events..");

    @ArchTest
    static final ArchRule sandboxWithoutSpring = noClasses().that().resideInAPackage(WORKER + "sandbox..")
            .should().dependOnClassesThat().resideInAnyPackage("org.springframework..");

    @ArchTest
    static final ArchRule onlyTheListenersUseTheAttempt = noClasses()
            .that().resideOutsideOfPackages(WORKER + "attempt..", WORKER + "intake..")
            .should().dependOnClassesThat().resideInAPackage(WORKER + "attempt..");
}
