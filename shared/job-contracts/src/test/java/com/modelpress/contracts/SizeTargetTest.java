package com.modelpress.contracts;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SizeTargetTest {

    @ParameterizedTest
    @CsvSource({"2500000, 2500000", "2500000B, 2500000", "2.5MB, 2500000", "2.5 mb, 2500000", "1.5GB, 1500000000",
            "64kB, 64000", "64KB, 64000", "1TB, 1000000000000", "750MiB, 786432000", "1.5GiB, 1610612736",
            "64KiB, 65536", "1b, 1", "0.5KiB, 512", "1.0000001KB, 1000"})
    void readsBytesInDecimalAndBinaryUnits(String text, long bytes) {
        SizeTarget size = SizeTarget.parse(text);
        assertThat(size.bytes()).isEqualTo(bytes);
        assertThat(size.ratio()).isNull();
        assertThat(size.bytesFor(123)).isEqualTo(bytes);
        assertThat(size.text()).isEqualTo(text.strip());
    }

    @ParameterizedTest
    @CsvSource({"0.25x, 0.25, 250", "0.2X, 0.2, 200", "25%, 0.25, 250", "1x, 1.0, 1000", ".35x, 0.35, 350"})
    void readsAFractionOfTheOriginal(String text, double ratio, long ofThousand) {
        SizeTarget size = SizeTarget.parse(text);
        assertThat(size.bytes()).isNull();
        assertThat(size.ratio()).isEqualTo(ratio, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(size.bytesFor(1000)).isEqualTo(ofThousand);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "big", "1.5 gigabytes", "-3MB", "2.5Mb/s", "0x", "1.5x", "120%", "0B", "0.4B",
            "1e9", "99999999999TB"})
    void refusesWhatIsNotAUsableSize(String text) {
        assertThatThrownBy(() -> SizeTarget.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageFindingMatch("size|fraction|at most");
    }

    @ParameterizedTest
    @ValueSource(strings = {"big", "2.5 parsecs"})
    void saysWhatItAccepts(String text) {
        assertThatThrownBy(() -> SizeTarget.parse(text)).hasMessageContaining("1.5GB").hasMessageContaining("750MiB")
                .hasMessageContaining("0.25x");
    }
}
