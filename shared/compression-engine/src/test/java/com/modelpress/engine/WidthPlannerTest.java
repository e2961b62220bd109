package com.modelpress.engine;

import com.modelpress.engine.WidthPlanner.Option;
import com.modelpress.engine.WidthPlanner.Plan;
import com.modelpress.engine.WidthPlanner.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WidthPlannerTest {

    @Test
    void spendsTheBudgetWhereItSavesTheMostDamagePerByte() {
        // a is sensitive (2 bits costs a lot), b is not: with room for one upgrade, a gets it
        Tensor a = tensor("a", 0.50, 0.05, 0.01);
        Tensor b = tensor("b", 0.02, 0.01, 0.005);
        Plan plan = WidthPlanner.plan(List.of(a, b), 350);
        assertThat(plan.choice().get("a").bits()).isEqualTo(4);
        assertThat(plan.choice().get("b").bits()).isEqualTo(2);
        assertThat(plan.bytes()).isEqualTo(300);
        assertThat(plan.damage()).isEqualTo(0.05 + 0.02, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void neverExceedsTheBudgetAndMatchesTheExactOptimumOnSmallProblems() {
        Random random = new Random(4);
        for (int trial = 0; trial < 200; trial++) {
            List<Tensor> tensors = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                double d2 = random.nextDouble();
                double d4 = d2 * random.nextDouble() * 0.3;
                double d8 = d4 * random.nextDouble() * 0.3;
                tensors.add(new Tensor("t" + t, 100, List.of(new Option(2, 32, 30 + random.nextInt(20), d2),
                        new Option(4, 32, 55 + random.nextInt(20), d4), new Option(8, 128, 105 + random.nextInt(20), d8),
                        new Option(16, null, 200, 0))));
            }
            long budget = WidthPlanner.floor(tensors) + random.nextInt(500);
            Plan plan = WidthPlanner.plan(tensors, budget);
            assertThat(plan.bytes()).isLessThanOrEqualTo(budget)
                    .isEqualTo(plan.choice().values().stream().mapToLong(Option::bytes).sum());
            double optimum = exhaustive(tensors, 0, budget);
            // greedy on the hulls, the fill and pairwise exchanges: within 10 % of the exact knapsack on these
            assertThat(plan.damage()).isLessThanOrEqualTo(optimum * 1.10 + 1e-9);
        }
    }

    @Test
    void theSameTensorsInAnyOrderGiveTheSamePlan() {
        List<Tensor> tensors = new ArrayList<>();
        for (int t = 0; t < 12; t++) {
            // equal damage everywhere: only the tie-break decides
            tensors.add(tensor("w" + t, 0.1, 0.01, 0.001));
        }
        Plan first = WidthPlanner.plan(tensors, 12 * 100 + 5 * 100);
        for (long seed = 0; seed < 5; seed++) {
            List<Tensor> shuffled = new ArrayList<>(tensors);
            Collections.shuffle(shuffled, new Random(seed));
            Plan again = WidthPlanner.plan(shuffled, 12 * 100 + 5 * 100);
            for (Tensor tensor : tensors) {
                assertThat(again.choice().get(tensor.name())).isEqualTo(first.choice().get(tensor.name()));
            }
        }
    }

    @Test
    void theHullDropsDominatedAndConcaveOptions() {
        List<Option> hull = WidthPlanner.hull(List.of(new Option(2, 32, 100, 1.0), new Option(2, 128, 90, 1.5),
                new Option(4, 32, 200, 0.2), new Option(4, 128, 180, 0.9), new Option(8, 128, 400, 0.19),
                new Option(16, null, 800, 0)));
        // 4-bit/128 lies above the segment from 2-bit/32 to 4-bit/32; 8-bit/128 saves almost nothing per byte
        assertThat(hull).extracting(Option::label).containsExactly("2-bit/128", "2-bit/32", "4-bit/32", "16-bit");
    }

    @Test
    void aBudgetBelowTheFloorIsRefused() {
        List<Tensor> tensors = List.of(tensor("a", 1, 0.1, 0.01));
        assertThat(WidthPlanner.floor(tensors)).isEqualTo(100);
        assertThatThrownBy(() -> WidthPlanner.plan(tensors, 99)).isInstanceOf(IllegalArgumentException.class);
        assertThat(WidthPlanner.plan(tensors, 100).choice().get("a").bits()).isEqualTo(2);
    }

    /** 2 bits: 100 bytes, 4 bits: 200, 8 bits: 400. */
    private static Tensor tensor(String name, double d2, double d4, double d8) {
        return new Tensor(name, 400, List.of(new Option(2, 32, 100, d2), new Option(4, 32, 200, d4),
                new Option(8, 128, 400, d8)));
    }

    private static double exhaustive(List<Tensor> tensors, int from, long budget) {
        if (from == tensors.size()) {
            return 0;
        }
        double best = Double.POSITIVE_INFINITY;
        for (Option option : tensors.get(from).options()) {
            if (option.bytes() <= budget) {
                best = Math.min(best, option.damage() + exhaustive(tensors, from + 1, budget - option.bytes()));
            }
        }
        return best;
    }
}
