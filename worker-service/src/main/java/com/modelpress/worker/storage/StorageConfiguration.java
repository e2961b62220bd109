package com.modelpress.worker.storage;

import com.modelpress.storage.ArtifactStore;
import com.modelpress.storage.FilesystemArtifactStore;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.io.IOException;

@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

    @Bean
    ArtifactStore artifactStore(StorageProperties properties) throws IOException {
        return new FilesystemArtifactStore(properties.root());
    }
}
