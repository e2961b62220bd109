package com.modelpress.engine.quant;

/** Signal-to-quantization-noise ratio. Stateless. */
public final class Sqnr {

    /** Returned when the reconstruction is exact. */
    public static final double EXACT_DB = 200.0;

    private Sqnr() {
    }

    /** {@code 10·log10(Σx² / Σ(x − x̂)²)} in dB; {@link #EXACT_DB} when there is no error. */
    public static double decibels(float[] original, float[] reconstructed) {
        double signal = 0;
        double noise = 0;
        for (int i = 0; i < original.length; i++) {
            double x = original[i];
            double e = x - reconstructed[i];
            signal += x * x;
            noise += e * e;
        }
        return fromEnergies(signal, noise);
    }

    public static double fromEnergies(double signal, double noise) {
        if (noise == 0) {
            return EXACT_DB;
        }
        if (signal == 0) {
            return -EXACT_DB;
        }
        return Math.min(EXACT_DB, 10 * Math.log10(signal / noise));
    }
}
