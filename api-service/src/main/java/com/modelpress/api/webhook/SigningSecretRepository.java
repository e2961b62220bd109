package com.modelpress.api.webhook;

import org.springframework.data.jpa.repository.JpaRepository;

interface SigningSecretRepository extends JpaRepository<SigningSecret, String> {
}
