package com.modelpress.engine.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.modelpress.contracts.FidelityReport.KvCachePair;
import com.modelpress.contracts.FidelityReport.ModelInfo;
import com.modelpress.engine.testing.CachedDecoderFixtures;
import com.modelpress.engine.testing.CachedDecoderFixtures.Shape;
import com.modelpress.engine.testing.OnnxFixtures;
import com.modelpress.engine.testing.TinyLm;
import org.junit.jupiter.api.Test;

class ModelStructureTest {

    @Test
    void decoderWithAKvCacheIsRecognisedWithItsAttentionShape() {
        ModelInfo info = info(CachedDecoderFixtures.decoder(Shape.small(), 1));

        assertThat(info.kind()).isEqualTo("decoder-lm");
        assertThat(info.attention()).isEqualTo("subgraph");
        assertThat(info.layers()).isEqualTo(2);
        assertThat(info.heads()).isEqualTo(4);
        assertThat(info.kvHeads()).isEqualTo(2);
        assertThat(info.headDim()).isEqualTo(16);
        assertThat(info.vocabulary()).isEqualTo(256);
        assertThat(info.tiedEmbeddings()).isFalse();
        assertThat(info.logitsOutput()).isEqualTo("logits");
        assertThat(info.kvCache()).hasSize(4).startsWith(new KvCachePair("past_key_values.0.key", "present.0.key"),
                new KvCachePair("past_key_values.0.value", "present.0.value"));
    }

    @Test
    void tiedEmbeddingsAreSeenThroughTheTranspose() {
        assertThat(info(CachedDecoderFixtures.decoder(Shape.small().tiedEmbeddings(), 1)).tiedEmbeddings()).isTrue();
    }

    @Test
    void decoderWithoutPositionIdsOrCacheIsStillADecoder() {
        ModelInfo noPositions = info(CachedDecoderFixtures.decoder(Shape.small().withoutPositionIds(), 1));
        assertThat(noPositions.kind()).isEqualTo("decoder-lm");
        assertThat(noPositions.kvCache()).hasSize(4);

        ModelInfo noCache = info(CachedDecoderFixtures.decoder(Shape.small().withoutCache(), 1));
        // causal from its Range/LessOrEqual mask alone; without a cache the graph does not size the KV heads
        assertThat(noCache.kind()).isEqualTo("decoder-lm");
        assertThat(noCache.kvCache()).isEmpty();
        assertThat(noCache.layers()).isEqualTo(2);
        assertThat(noCache.kvHeads()).isNull();
        assertThat(noCache.vocabulary()).isEqualTo(256);
    }

    @Test
    void groupQueryAttentionContribOpGivesHeadsFromItsAttributes() {
        ModelInfo info = info(CachedDecoderFixtures.groupQueryAttention(Shape.small(), 1));

        assertThat(info.kind()).isEqualTo("decoder-lm");
        assertThat(info.attention()).isEqualTo("GroupQueryAttention");
        assertThat(info.heads()).isEqualTo(4);
        assertThat(info.kvHeads()).isEqualTo(2);
        assertThat(info.layers()).isEqualTo(2);
        assertThat(info.kvCache()).hasSize(4);
    }

    @Test
    void otherKindsAreNotMistakenForDecoders() {
        ModelInfo encoder = info(OnnxFixtures.bertLikeEncoder(64, 16, 1, 1));
        assertThat(encoder.kind()).isEqualTo("encoder");
        assertThat(encoder.logitsOutput()).isNull();
        assertThat(encoder.vocabulary()).isEqualTo(64);
        assertThat(encoder.kvCache()).isEmpty();

        assertThat(info(OnnxFixtures.conv2d(3, 8, 3, 1)).kind()).isEqualTo("vision");
        ModelInfo other = info(OnnxFixtures.classifier(16, 10, 1));
        assertThat(other.kind()).isEqualTo("other");
        assertThat(other.layers()).isNull();
    }

    @Test
    void tinyLmIsALlamaStyleDecoderWithGroupedKvHeads() {
        ModelInfo info = GraphFacts.read(TinyLm.model()).structure().info();

        assertThat(info.kind()).isEqualTo("decoder-lm");
        assertThat(info.layers()).isEqualTo(4);
        assertThat(info.heads()).isEqualTo(4);
        assertThat(info.kvHeads()).isEqualTo(2);
        assertThat(info.headDim()).isEqualTo(64);
        assertThat(info.vocabulary()).isEqualTo(4096);
        assertThat(info.tiedEmbeddings()).isFalse();
        assertThat(info.kvCache()).hasSize(8);
    }

    private static ModelInfo info(ModelProto model) {
        return GraphFacts.of(model.getGraph()).structure().info();
    }
}
