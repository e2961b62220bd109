package com.modelpress.api.job;

import jakarta.servlet.MultipartConfigElement;
import org.springframework.boot.servlet.MultipartConfigFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

@Configuration(proxyBeanMethods = false)
class UploadConfiguration {

    /** Room for the {@code request} part and multipart framing on top of the model file. */
    private static final DataSize ENVELOPE = DataSize.ofMegabytes(1);

    /**
     * Multipart limits from {@link ApiProperties}. Parts beyond the threshold spill to a temporary file, so an
     * upload is never held in memory whole.
     */
    @Bean
    MultipartConfigElement multipartConfigElement(ApiProperties properties) {
        MultipartConfigFactory factory = new MultipartConfigFactory();
        factory.setMaxFileSize(properties.maxUploadSize());
        factory.setMaxRequestSize(DataSize.ofBytes(properties.maxUploadSize().toBytes() + ENVELOPE.toBytes()));
        factory.setFileSizeThreshold(DataSize.ofKilobytes(256));
        return factory.createMultipartConfig();
    }
}
