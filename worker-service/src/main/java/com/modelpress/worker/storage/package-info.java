/** Wires the artifact store the worker reads job inputs from and writes artifacts to. */
package com.modelpress.worker.storage;
