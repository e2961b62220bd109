package com.modelpress.api.webhook;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where webhooks may go: the URL rules ({@code https}, or {@code http} where the operator allows it; a host; no
 * credentials or fragment) and the {@link AddressPolicy} for every address the host resolves to. As a
 * {@link DnsResolver} it hands the HTTP client only addresses it checked, in the same lookup the connection uses, so a
 * DNS answer that changes between check and connect (rebinding) cannot reach a refused address. Thread-safe.
 */
final class WebhookTargets implements DnsResolver {

    static final int MAX_URL_LENGTH = 2048;

    /** A host resolved to an address webhooks may not reach. */
    static final class RefusedAddressException extends UnknownHostException {
        RefusedAddressException(String host, String reason) {
            super("%s refused: %s".formatted(host, reason));
        }
    }

    private final AddressPolicy policy;
    private final boolean allowPlainHttp;
    private final DnsResolver dns;

    WebhookTargets(AddressPolicy policy, boolean allowPlainHttp) {
        this(policy, allowPlainHttp, SystemDefaultDnsResolver.INSTANCE);
    }

    WebhookTargets(AddressPolicy policy, boolean allowPlainHttp, DnsResolver dns) {
        this.policy = policy;
        this.allowPlainHttp = allowPlainHttp;
        this.dns = dns;
    }

    /**
     * Checks a URL as a subscription or a job's request names it: its form, and (with one DNS lookup) its addresses.
     *
     * @return what is wrong with it; empty when webhooks may be sent there now
     */
    List<String> problems(String url) {
        List<String> problems = new ArrayList<>();
        Optional<URI> parsed = parse(url, problems);
        if (parsed.isEmpty()) {
            return problems;
        }
        try {
            resolve(parsed.get().getHost());
        } catch (RefusedAddressException e) {
            problems.add(e.getMessage());
        } catch (UnknownHostException e) {
            problems.add("host '%s' does not resolve".formatted(parsed.get().getHost()));
        }
        return problems;
    }

    /** @return the URL when its form is acceptable, else empty with the reasons added to {@code problems} */
    Optional<URI> parse(String url, List<String> problems) {
        if (url == null || url.isBlank()) {
            problems.add("is required");
            return Optional.empty();
        }
        if (url.length() > MAX_URL_LENGTH) {
            problems.add("may be at most %d characters".formatted(MAX_URL_LENGTH));
            return Optional.empty();
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            problems.add("is not a URL: " + e.getReason());
            return Optional.empty();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || (allowPlainHttp && scheme.equals("http")))) {
            problems.add(allowPlainHttp ? "must be an http or https URL"
                    : "must be an https URL (http is refused unless modelpress.webhooks.allow-plain-http is set)");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            problems.add("must name a host");
        }
        if (uri.getRawUserInfo() != null) {
            problems.add("must not carry credentials");
        }
        if (uri.getRawFragment() != null) {
            problems.add("must not have a fragment");
        }
        return problems.isEmpty() ? Optional.of(uri) : Optional.empty();
    }

    /** @throws RefusedAddressException when any address of {@code host} is one webhooks may not reach */
    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] addresses = dns.resolve(bare);
        if (addresses == null || addresses.length == 0) {
            throw new UnknownHostException(host);
        }
        for (InetAddress address : addresses) {
            Optional<String> refusal = policy.refusal(address);
            if (refusal.isPresent()) {
                throw new RefusedAddressException(host, refusal.get());
            }
        }
        return addresses;
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        return dns.resolveCanonicalHostname(host);
    }
}
