/**
 * Job artifacts: where they are stored ({@code modelpress.storage}), the PostgreSQL record of each file a
 * worker produced (with its SHA-256), and downloads streamed from storage with ETag, Range and Repr-Digest.
 */
package com.modelpress.api.artifact;
