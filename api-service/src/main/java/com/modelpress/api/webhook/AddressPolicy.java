package com.modelpress.api.webhook;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Which addresses a webhook may connect to: every public unicast address, and the addresses of the operator's
 * allow-list; nothing in a private, loopback, link-local, multicast, unique-local, documentation, benchmarking,
 * carrier-grade NAT, reserved or otherwise special range (IANA special-purpose registries). An IPv6 address that embeds
 * an IPv4 address (NAT64 {@code 64:ff9b::/96}, 6to4 {@code 2002::/16}) is judged by that IPv4 address. Immutable,
 * thread-safe.
 */
final class AddressPolicy {

    /** An address block, e.g. {@code 10.0.0.0/8}. */
    record Cidr(byte[] network, int prefix, String text) {

        /** @throws IllegalArgumentException when {@code text} is not {@code address/prefix} with a literal address */
        static Cidr parse(String text) {
            String trimmed = text.strip();
            int slash = trimmed.indexOf('/');
            String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
            if (!(address.indexOf(':') >= 0 || address.matches("[0-9.]+"))) {
                throw new IllegalArgumentException("'" + text + "' is not an address block such as 10.0.0.0/8 or fd00::/8");
            }
            byte[] bytes;
            try {
                // a literal: no DNS lookup happens for it
                bytes = InetAddress.getByName(address).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + text + "' is not an address block such as 10.0.0.0/8", e);
            }
            int prefix;
            try {
                prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(trimmed.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has no numeric prefix length", e);
            }
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("'" + text + "': prefix length must be 0 to " + bytes.length * 8);
            }
            return new Cidr(bytes, prefix, trimmed);
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    private record Special(Cidr block, String name) {
        static Special of(String block, String name) {
            return new Special(Cidr.parse(block), name);
        }
    }

    private static final List<Special> SPECIAL = List.of(
            Special.of("0.0.0.0/8", "'this network'"),
            Special.of("10.0.0.0/8", "private"),
            Special.of("100.64.0.0/10", "carrier-grade NAT"),
            Special.of("127.0.0.0/8", "loopback"),
            Special.of("169.254.0.0/16", "link-local (cloud metadata lives here)"),
            Special.of("172.16.0.0/12", "private"),
            Special.of("192.0.0.0/24", "IETF protocol assignments"),
            Special.of("192.0.2.0/24", "documentation"),
            Special.of("192.88.99.0/24", "6to4 relay anycast"),
            Special.of("192.168.0.0/16", "private"),
            Special.of("198.18.0.0/15", "benchmarking"),
            Special.of("198.51.100.0/24", "documentation"),
            Special.of("203.0.113.0/24", "documentation"),
            Special.of("224.0.0.0/4", "multicast"),
            Special.of("240.0.0.0/4", "reserved"),
            Special.of("::/128", "unspecified"),
            Special.of("::1/128", "loopback"),
            Special.of("::/96", "IPv4-compatible (deprecated)"),
            Special.of("64:ff9b:1::/48", "local NAT64"),
            Special.of("100::/64", "discard-only"),
            Special.of("2001::/23", "IETF protocol assignments (Teredo, ORCHID, …)"),
            Special.of("2001:db8::/32", "documentation"),
            Special.of("3fff::/20", "documentation"),
            Special.of("5f00::/16", "segment routing"),
            Special.of("fc00::/7", "unique-local"),
            Special.of("fe80::/10", "link-local"),
            Special.of("fec0::/10", "site-local (deprecated)"),
            Special.of("ff00::/8", "multicast"));

    private final List<Cidr> allowed;

    /** @param allowedNetworks CIDR blocks the operator allows although they are special */
    AddressPolicy(List<String> allowedNetworks) {
        this.allowed = allowedNetworks.stream().filter(text -> !text.isBlank()).map(Cidr::parse).toList();
    }

    /** @return why a webhook may not connect to {@code address}, or empty when it may */
    Optional<String> refusal(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (allowed.stream().anyMatch(block -> block.contains(bytes))) {
            return Optional.empty();
        }
        Optional<String> special = specialRange(bytes);
        if (special.isPresent()) {
            return Optional.of("%s is a %s address; an operator can allow it with modelpress.webhooks.allowed-networks"
                    .formatted(address.getHostAddress(), special.get()));
        }
        if (address instanceof Inet6Address) {
            // the IPv4 address an IPv6 address carries reaches the same host
            Optional<byte[]> embedded = embeddedIpv4(bytes);
            if (embedded.isPresent()) {
                if (allowed.stream().anyMatch(block -> block.contains(embedded.get()))) {
                    return Optional.empty();
                }
                Optional<String> inner = specialRange(embedded.get());
                if (inner.isPresent()) {
                    return Optional.of("%s embeds a %s IPv4 address; an operator can allow it with "
                            .formatted(address.getHostAddress(), inner.get()) + "modelpress.webhooks.allowed-networks");
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> specialRange(byte[] address) {
        return SPECIAL.stream().filter(special -> special.block().contains(address))
                .map(special -> special.name() + " (" + special.block().text() + ")").findFirst();
    }

    /**
     * IPv4-mapped {@code ::ffff:a.b.c.d} (Java usually hands these out as IPv4 already), NAT64 {@code 64:ff9b::a.b.c.d},
     * 6to4 {@code 2002:AABB:CCDD::}.
     */
    private static Optional<byte[]> embeddedIpv4(byte[] v6) {
        boolean mapped = allZero(v6, 0, 10) && (v6[10] & 0xff) == 0xff && (v6[11] & 0xff) == 0xff;
        boolean nat64 = (v6[0] & 0xff) == 0x00 && (v6[1] & 0xff) == 0x64 && (v6[2] & 0xff) == 0xff
                && (v6[3] & 0xff) == 0x9b && allZero(v6, 4, 12);
        if (mapped || nat64) {
            return Optional.of(Arrays.copyOfRange(v6, 12, 16));
        }
        if ((v6[0] & 0xff) == 0x20 && (v6[1] & 0xff) == 0x02) {
            return Optional.of(Arrays.copyOfRange(v6, 2, 6));
        }
        return Optional.empty();
    }

    private static boolean allZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
