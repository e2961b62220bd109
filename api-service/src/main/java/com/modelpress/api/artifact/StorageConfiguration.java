package com.modelpress.api.artifact;

import com.modelpress.storage.ArtifactStore;
import com.modelpress.storage.FilesystemArtifactStore;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.io.IOException;

@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

    /** The filesystem store under {@code modelpress.storage.root}, unless the application provides another. */
    @Bean
    @ConditionalOnMissingBean(ArtifactStore.class)
    FilesystemArtifactStore artifactStore(StorageProperties properties) throws IOException {
        return new FilesystemArtifactStore(properties.root());
    }
}
