package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;

class Fp16ContractTest extends CompressionMethodContract {
    CompressionMethod method() {
        return CompressionMethod.of("fp16", CompressionOptions.defaults());
    }

    double minCosine() {
        return 0.99999;
    }

    int matMulBits() {
        return 16;
    }

    double maxDecoderKl() {
        return 0.00001;
    }

    double minDecoderCosine() {
        return 0.99999;
    }
}
