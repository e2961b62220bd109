package com.modelpress.storage;

/**
 * @param key       the artifact's key
 * @param sizeBytes its length
 * @param sha256    lowercase hex SHA-256 of its content
 */
public record StoredArtifact(String key, long sizeBytes, String sha256) {}
