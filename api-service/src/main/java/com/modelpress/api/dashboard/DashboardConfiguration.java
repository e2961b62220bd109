package com.modelpress.api.dashboard;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.CacheControl;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Serves the dashboard's files: {@code /} is its page, {@code /assets/*} its scripts and stylesheet, all from
 * {@value #LOCATION} in this jar, none behind a key (they hold no data). Their responses carry
 * {@link DashboardHeadersFilter}'s headers. Nothing here touches {@code /api/*}: the authentication filter keeps its
 * URL patterns.
 */
@Configuration(proxyBeanMethods = false)
class DashboardConfiguration implements WebMvcConfigurer {

    static final String LOCATION = "classpath:/com/modelpress/api/dashboard/";
    static final String ASSETS = "/assets/";

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        // revalidated on every load (Last-Modified): a new jar's scripts are never mixed with an old page
        registry.addResourceHandler(ASSETS + "**")
                .addResourceLocations(LOCATION + "assets/")
                .setCacheControl(CacheControl.noCache());
    }

    @Bean
    FilterRegistrationBean<DashboardHeadersFilter> dashboardHeaders() {
        FilterRegistrationBean<DashboardHeadersFilter> registration = new FilterRegistrationBean<>(new DashboardHeadersFilter());
        registration.addUrlPatterns("/*");
        registration.setName("modelpressDashboardHeaders");
        return registration;
    }
}
