package com.modelpress.api.job;

import com.modelpress.api.web.RequestBodyLimitFilter;
import jakarta.servlet.MultipartConfigElement;
import org.springframework.boot.servlet.MultipartConfigFactory;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * How much of a request the API reads: multipart limits for the upload, {@link RequestBodyLimitFilter} for every
 * body, and Tomcat's {@code 100 Continue} sent only once the application reads the body, so that a request refused
 * by its headers (no key, announced too large) is answered without its body ever being sent.
 */
@Configuration(proxyBeanMethods = false)
class UploadConfiguration {

    /** Room for the {@code request} part and multipart framing on top of the model file. */
    static final long ENVELOPE_BYTES = DataSize.ofMegabytes(1).toBytes();
    /** Right after the API key filter: nothing before them reads a body. */
    static final int BODY_LIMIT_ORDER = Ordered.HIGHEST_PRECEDENCE + 11;

    /**
     * Multipart limits from {@link ApiProperties}. Parts beyond the threshold spill to a temporary file, so an
     * upload is never held in memory whole.
     */
    @Bean
    MultipartConfigElement multipartConfigElement(ApiProperties properties) {
        MultipartConfigFactory factory = new MultipartConfigFactory();
        factory.setMaxFileSize(properties.maxUploadSize());
        factory.setMaxRequestSize(DataSize.ofBytes(uploadLimit(properties)));
        factory.setFileSizeThreshold(DataSize.ofKilobytes(256));
        return factory.createMultipartConfig();
    }

    @Bean
    FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimitFilter(ApiProperties properties, JsonMapper json) {
        FilterRegistrationBean<RequestBodyLimitFilter> registration = new FilterRegistrationBean<>(new RequestBodyLimitFilter(
                properties.maxRequestBody().toBytes(), JobController.BASE, uploadLimit(properties), json));
        registration.addUrlPatterns("/*");
        registration.setName("modelpressRequestBodyLimit");
        registration.setOrder(BODY_LIMIT_ORDER);
        return registration;
    }

    /** {@code Expect: 100-continue} is answered only when the body is read, never before the key is checked. */
    @Bean
    TomcatConnectorCustomizer continueOnRead() {
        return connector -> connector.setProperty("continueResponseTiming", "onRead");
    }

    private static long uploadLimit(ApiProperties properties) {
        return properties.maxUploadSize().toBytes() + ENVELOPE_BYTES;
    }
}
