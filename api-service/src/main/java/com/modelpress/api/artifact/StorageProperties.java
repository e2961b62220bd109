package com.modelpress.api.artifact;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.nio.file.Path;

/**
 * @param root folder of the filesystem artifact store, shared with the workers; defaults to
 *             {@code ~/.modelpress/artifacts}
 */
@ConfigurationProperties("modelpress.storage")
record StorageProperties(Path root) {

    StorageProperties {
        if (root == null) {
            root = Path.of(System.getProperty("user.home"), ".modelpress", "artifacts");
        }
    }
}
