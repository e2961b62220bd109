package com.modelpress.api.job;

import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

interface JobRepository extends JpaRepository<CompressionJob, UUID> {

    Optional<CompressionJob> findByOwnerAndIdempotencyKey(String owner, String idempotencyKey);

    /** The job unless it was deleted. */
    Optional<CompressionJob> findByIdAndDeletedAtIsNull(UUID id);

    long countByOwnerAndStatusIn(String owner, Collection<JobStatus> statuses);

    /**
     * Jobs after the cursor {@code (createdAt, id)}, in that order.
     *
     * @param modelKind nullable: any kind (and jobs without a report)
     * @param maxKlMean nullable: any; else only decoder LMs whose prefill mean KL is at most this
     * @param verdict   nullable: any (and jobs without a report); else only jobs whose report has this verdict
     */
    @Query("""
            select j from CompressionJob j
            where j.status in :statuses and j.deletedAt is null
              and (:modelKind is null or j.metrics.modelKind = :modelKind)
              and (:maxKlMean is null or j.metrics.klMean <= :maxKlMean)
              and (:verdict is null or j.metrics.verdict = :verdict)
              and (j.createdAt > :createdAt or (j.createdAt = :createdAt and j.id > :id))
            order by j.createdAt, j.id""")
    List<CompressionJob> findPage(@Param("statuses") Collection<JobStatus> statuses,
                                  @Param("modelKind") String modelKind, @Param("maxKlMean") Double maxKlMean,
                                  @Param("verdict") String verdict,
                                  @Param("createdAt") Instant createdAt, @Param("id") UUID id, Limit limit);

    /** One owner's jobs after the cursor {@code (createdAt, id)}, in that order; filters as {@link #findPage}. */
    @Query("""
            select j from CompressionJob j
            where j.owner = :owner and j.status in :statuses and j.deletedAt is null
              and (:modelKind is null or j.metrics.modelKind = :modelKind)
              and (:maxKlMean is null or j.metrics.klMean <= :maxKlMean)
              and (:verdict is null or j.metrics.verdict = :verdict)
              and (j.createdAt > :createdAt or (j.createdAt = :createdAt and j.id > :id))
            order by j.createdAt, j.id""")
    List<CompressionJob> findOwnerPage(@Param("owner") String owner, @Param("statuses") Collection<JobStatus> statuses,
                                       @Param("modelKind") String modelKind, @Param("maxKlMean") Double maxKlMean,
                                       @Param("verdict") String verdict, @Param("createdAt") Instant createdAt, @Param("id") UUID id, Limit limit);
}
