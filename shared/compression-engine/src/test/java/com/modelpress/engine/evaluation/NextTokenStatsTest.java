package com.modelpress.engine.evaluation;

import com.modelpress.contracts.FidelityReport.NextTokenFidelity;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NextTokenStatsTest {

    @Test
    void sameTop1ByPositionStaysWithinSixtyFourBucketsAndCountsEveryPosition() {
        NextTokenStats stats = new NextTokenStats();
        // 3 windows of 200 positions: the first 100 positions of each agree, the rest agree only at even positions
        for (int window = 0; window < 3; window++) {
            for (int t = 0; t < 200; t++) {
                boolean agree = t < 100 || t % 2 == 0;
                stats.add(new NextTokenStats.Position(agree ? 0.001 : 0.5, agree, 1, Double.NaN, Double.NaN, Double.NaN), t);
            }
        }

        NextTokenFidelity result = stats.result();

        var byPosition = result.sameTop1ByPosition();
        assertThat(byPosition.bucketWidth()).isEqualTo(4); // ceil(200 / 64)
        assertThat(byPosition.sameTop1()).hasSize(50).hasSameSizeAs(byPosition.compared());
        assertThat(byPosition.compared()).allSatisfy(n -> assertThat(n).isEqualTo(12L));
        assertThat(byPosition.sameTop1().subList(0, 25)).containsOnly(1.0);
        assertThat(byPosition.sameTop1().subList(25, 50)).containsOnly(0.5);
        assertThat(result.sameTop1()).isEqualTo(0.75);
        assertThat(result.klHistogram().total()).isEqualTo(600);
        assertThat(result.klHistogram().counts().get(20)).isEqualTo(450); // KL 0.001
    }

    @Test
    void shortWindowsKeepOneBucketPerPosition() {
        NextTokenStats stats = new NextTokenStats();
        for (int step = 0; step < 8; step++) {
            stats.add(new NextTokenStats.Position(0, step != 3, 1, Double.NaN, Double.NaN, Double.NaN), step);
        }

        var byPosition = stats.result().sameTop1ByPosition();

        assertThat(byPosition.bucketWidth()).isEqualTo(1);
        assertThat(byPosition.sameTop1()).containsExactly(1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0);
    }
}
