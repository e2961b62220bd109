/**
 * The records ModelPress services, workers and tools exchange: the compression request and the fidelity
 * report. Plain records, no framework; every field is JSON-serialisable as is and nullable only where its
 * javadoc says so.
 */
package com.modelpress.contracts;
