package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;

class Int8ContractTest extends CompressionMethodContract {
    CompressionMethod method() {
        return CompressionMethod.of("int8", CompressionOptions.defaults());
    }

    double minCosine() {
        return 0.999;
    }

    int matMulBits() {
        return 8;
    }

    double maxDecoderKl() {
        return 0.006;
    }

    double minDecoderCosine() {
        return 0.998;
    }
}
