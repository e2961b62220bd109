/**
 * The job's inputs into the attempt's folder: copied from the artifact store with their SHA-256 checked against the
 * job message, archives (zip, tar, tar.gz) extracted under entry, byte, ratio and name limits, and the text parts
 * ({@link com.modelpress.worker.input.JobTexts}) as files for the engine to tokenize.
 */
package com.modelpress.worker.input;
