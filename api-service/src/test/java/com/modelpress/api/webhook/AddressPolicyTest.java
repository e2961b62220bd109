package com.modelpress.api.webhook;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AddressPolicyTest {

    private final AddressPolicy strict = new AddressPolicy(List.of());

    @ParameterizedTest
    @ValueSource(strings = {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.0.10", "127.0.0.1", "127.8.9.10",
            "169.254.169.254", "0.0.0.0", "100.64.0.1", "192.0.2.5", "198.18.0.1", "203.0.113.9", "224.0.0.251",
            "239.255.255.250", "255.255.255.255", "240.0.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1",
            "ff02::1", "2001:db8::1", "fec0::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "64:ff9b::a00:1",
            "64:ff9b::7f00:1", "2002:a00:1::1", "2002:c0a8:101::1", "2001::1"})
    void refusesSpecialAddresses(String address) throws UnknownHostException {
        assertThat(strict.refusal(InetAddress.getByName(address))).as(address).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.1.1.1", "8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "100.128.0.1",
            "2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "64:ff9b::808:808", "2002:808:808::1"})
    void acceptsPublicAddresses(String address) throws UnknownHostException {
        assertThat(strict.refusal(InetAddress.getByName(address))).as(address).isEmpty();
    }

    @Test
    void theAllowListOpensOnlyTheBlocksItNames() throws UnknownHostException {
        AddressPolicy policy = new AddressPolicy(List.of("127.0.0.0/8", "10.20.0.0/16", "fd00:1::/32"));

        assertThat(policy.refusal(InetAddress.getByName("127.0.0.1"))).isEmpty();
        assertThat(policy.refusal(InetAddress.getByName("10.20.3.4"))).isEmpty();
        assertThat(policy.refusal(InetAddress.getByName("fd00:1:2::3"))).isEmpty();
        assertThat(policy.refusal(InetAddress.getByName("10.21.0.1"))).isPresent();
        assertThat(policy.refusal(InetAddress.getByName("::1"))).as("IPv6 loopback is another block").isPresent();
        assertThat(policy.refusal(InetAddress.getByName("169.254.169.254"))).isPresent();
    }

    @Test
    void saysWhyAndHowToAllow() throws UnknownHostException {
        assertThat(strict.refusal(InetAddress.getByName("169.254.169.254"))).hasValueSatisfying(reason ->
                assertThat(reason).contains("169.254.169.254", "link-local", "modelpress.webhooks.allowed-networks"));
        assertThat(strict.refusal(InetAddress.getByName("10.0.0.1"))).hasValueSatisfying(reason ->
                assertThat(reason).contains("private", "10.0.0.0/8"));
    }

    @Test
    void blocksMustBeLiteralAddresses() {
        assertThatThrownBy(() -> new AddressPolicy(List.of("localhost/8"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AddressPolicy(List.of("10.0.0.0/33"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AddressPolicy(List.of("10.0.0.0/x"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(AddressPolicy.Cidr.parse("10.0.0.7").prefix()).isEqualTo(32);
    }
}
