package com.modelpress.api.webhook;

import org.springframework.data.jpa.repository.JpaRepository;

import java.util.List;
import java.util.UUID;

interface WebhookSubscriptionRepository extends JpaRepository<WebhookSubscription, UUID> {

    List<WebhookSubscription> findByOwnerOrderByCreatedAtAscIdAsc(String owner);

    List<WebhookSubscription> findAllByOrderByCreatedAtAscIdAsc();

    List<WebhookSubscription> findByOwnerAndDisabledAtIsNull(String owner);
}
