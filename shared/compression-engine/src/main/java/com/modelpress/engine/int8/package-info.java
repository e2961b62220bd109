/** The {@code int8} method: weight-only per-output-channel symmetric int8, int8 rows for lookup tables. */
package com.modelpress.engine.int8;
