package com.modelpress.storage.config;

import com.modelpress.storage.ArtifactStore;
import com.modelpress.storage.FilesystemArtifactStore;
import com.modelpress.storage.S3ArtifactStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.io.IOException;

/**
 * The artifact store of a Spring application, chosen by {@code modelpress.storage.*}; api-service and worker-service
 * import it, so both read the same properties the same way.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(StorageProperties.class)
public class StorageConfiguration {

    private static final Logger log = LoggerFactory.getLogger(StorageConfiguration.class);

    /**
     * The store {@code modelpress.storage.type} names, unless the application provides another: the filesystem store
     * under {@code modelpress.storage.root}, or the S3 store of {@code modelpress.storage.s3.*} (closed with the
     * context).
     */
    @Bean
    @ConditionalOnMissingBean(ArtifactStore.class)
    ArtifactStore artifactStore(StorageProperties properties) throws IOException {
        ArtifactStore store = switch (properties.type()) {
            case FILESYSTEM -> new FilesystemArtifactStore(properties.root());
            case S3 -> new S3ArtifactStore(properties.s3().settings());
        };
        log.info("Artifacts are stored in {}", store instanceof FilesystemArtifactStore files ? files.root() : store);
        return store;
    }
}
