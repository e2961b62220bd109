package com.modelpress.api.security;

import org.springframework.data.jpa.repository.JpaRepository;

import java.util.List;

interface ApiKeyRepository extends JpaRepository<ApiKey, String> {

    List<ApiKey> findAllByOrderByCreatedAtAscIdAsc();

    List<ApiKey> findByOwnerOrderByCreatedAtAscIdAsc(String owner);
}
