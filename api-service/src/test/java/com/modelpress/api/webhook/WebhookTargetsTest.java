package com.modelpress.api.webhook;

import org.apache.hc.client5.http.DnsResolver;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookTargetsTest {

    /** Answers from a table, counting lookups; like a resolver an attacker controls, it may change its answer. */
    static final class TableDns implements DnsResolver {
        final java.util.Map<String, String> table = new java.util.concurrent.ConcurrentHashMap<>();
        final AtomicInteger lookups = new AtomicInteger();

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            lookups.incrementAndGet();
            // a literal resolves to itself, as with the system resolver
            String address = host.matches("[0-9.]+") || host.contains(":") ? host : table.get(host);
            if (address == null) {
                throw new UnknownHostException(host);
            }
            return new InetAddress[] {InetAddress.getByName(address)};
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host;
        }
    }

    private final TableDns dns = new TableDns();
    private final WebhookTargets httpsOnly = new WebhookTargets(new AddressPolicy(List.of()), false, dns);

    @Test
    void httpsIsRequiredUnlessTheOperatorAllowsHttp() {
        dns.table.put("hooks.example.com", "93.184.215.14");
        assertThat(httpsOnly.problems("https://hooks.example.com/modelpress")).isEmpty();
        assertThat(httpsOnly.problems("http://hooks.example.com/modelpress")).singleElement()
                .asString().contains("https", "allow-plain-http");
        WebhookTargets plain = new WebhookTargets(new AddressPolicy(List.of()), true, dns);
        assertThat(plain.problems("http://hooks.example.com/modelpress")).isEmpty();
        assertThat(plain.problems("ftp://hooks.example.com/modelpress")).isNotEmpty();
    }

    @Test
    void theFormOfTheUrlIsChecked() {
        assertThat(httpsOnly.problems(null)).containsExactly("is required");
        assertThat(httpsOnly.problems("not a url at all")).isNotEmpty();
        assertThat(httpsOnly.problems("https:///no-host")).contains("must name a host");
        assertThat(httpsOnly.problems("https://user:pw@hooks.example.com/")).contains("must not carry credentials");
        assertThat(httpsOnly.problems("https://hooks.example.com/#frag")).contains("must not have a fragment");
        assertThat(httpsOnly.problems("https://hooks.example.com/" + "a".repeat(3000))).singleElement()
                .asString().contains("at most 2048");
        assertThat(dns.lookups).as("no lookup for a URL refused by its form").hasValue(0);
    }

    @Test
    void aHostThatResolvesToAnyRefusedAddressIsRefused() {
        dns.table.put("internal.example.com", "10.0.0.5");
        assertThat(httpsOnly.problems("https://internal.example.com/")).singleElement().asString()
                .contains("internal.example.com", "10.0.0.5", "private");
        assertThat(httpsOnly.problems("https://169.254.169.254/latest/meta-data")).singleElement().asString()
                .contains("link-local");
        assertThat(httpsOnly.problems("https://[::1]:8443/")).singleElement().asString().contains("loopback");
        assertThat(httpsOnly.problems("https://nowhere.example.com/")).singleElement().asString()
                .contains("does not resolve");
    }

    /** What the HTTP client connects to comes from the same lookup as the check: a rebinding answer is refused. */
    @Test
    void theResolverTheClientUsesChecksEveryAnswer() throws UnknownHostException {
        dns.table.put("rebind.example.com", "93.184.215.14");
        assertThat(httpsOnly.resolve("rebind.example.com")).extracting(InetAddress::getHostAddress)
                .containsExactly("93.184.215.14");
        dns.table.put("rebind.example.com", "127.0.0.1");
        assertThatThrownBy(() -> httpsOnly.resolve("rebind.example.com"))
                .isInstanceOf(WebhookTargets.RefusedAddressException.class)
                .hasMessageContaining("127.0.0.1");
    }
}
