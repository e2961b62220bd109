package com.modelpress.api.security;

import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.core.Ordered;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;

/**
 * Puts {@link AuthenticationFilter} in front of {@code /api/*} and {@code /actuator/*} (health, the OpenAPI document
 * and Swagger UI stay open; metrics need an admin key, unless {@code management.server.port} serves them on a port of
 * their own) and lets controllers take the {@link Caller} as a parameter.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration implements WebMvcConfigurer {

    /** After character encoding and observation, before anything else. */
    static final int AUTHENTICATION_ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

    static {
        // the Caller comes from the filter, not from the request: keep it out of the OpenAPI parameters
        SpringDocUtils.getConfig().addRequestWrapperToIgnore(Caller.class);
    }

    /** The two sets of buckets: per user key, and per client address for requests without a valid key. */
    record Limiters(RateLimiter perKey, RateLimiter perUnauthenticatedAddress) {}

    @Bean
    Limiters rateLimiters(LimitProperties limits) {
        return new Limiters(new RateLimiter(limits.requestsPerSecond(), limits.requestBurst(), System::nanoTime),
                new RateLimiter(limits.unauthenticatedPerSecond(), limits.unauthenticatedBurst(), System::nanoTime));
    }

    @Bean
    FilterRegistrationBean<AuthenticationFilter> authenticationFilter(ApiKeys keys, Limiters limiters, JsonMapper json) {
        FilterRegistrationBean<AuthenticationFilter> registration = new FilterRegistrationBean<>(
                new AuthenticationFilter(keys, limiters.perKey(), limiters.perUnauthenticatedAddress(), json));
        registration.addUrlPatterns("/api/*", AuthenticationFilter.ACTUATOR, AuthenticationFilter.ACTUATOR + "/*");
        registration.setName("modelpressAuthentication");
        // before every filter that could read the body (the body limit comes right after)
        registration.setOrder(AUTHENTICATION_ORDER);
        return registration;
    }

    @Bean
    LimiterHousekeeping limiterHousekeeping(Limiters limiters) {
        return new LimiterHousekeeping(limiters);
    }

    /** Keeps the buckets' memory bounded by the clients active in the last moments. */
    static final class LimiterHousekeeping {
        private final Limiters limiters;

        LimiterHousekeeping(Limiters limiters) {
            this.limiters = limiters;
        }

        @Scheduled(fixedDelayString = "PT1M")
        void evictFullBuckets() {
            limiters.perKey().evictFull();
            limiters.perUnauthenticatedAddress().evictFull();
        }
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new HandlerMethodArgumentResolver() {
            @Override
            public boolean supportsParameter(MethodParameter parameter) {
                return parameter.getParameterType() == Caller.class;
            }

            @Override
            public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mavContainer,
                                          NativeWebRequest webRequest, WebDataBinderFactory binderFactory) {
                Object caller = webRequest.getAttribute(AuthenticationFilter.CALLER_ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
                if (!(caller instanceof Caller known)) {
                    throw new IllegalStateException("no authenticated caller on " + webRequest.getDescription(false)
                            + ": is the handler outside /api/?");
                }
                return known;
            }
        });
    }
}
