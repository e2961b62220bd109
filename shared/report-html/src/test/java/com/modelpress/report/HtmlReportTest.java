package com.modelpress.report;

import com.modelpress.contracts.FidelityReport;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static com.modelpress.report.testing.ReportPages.chartLabels;
import static com.modelpress.report.testing.ReportPages.count;
import static com.modelpress.report.testing.ReportPages.parse;
import static com.modelpress.report.testing.ReportPages.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The page parses as XML (so every element is closed and every value escaped), carries no script and loads nothing,
 * and draws each chart its report has data for.
 */
class HtmlReportTest {

    @Test
    void aLanguageModelReportHasEveryChartAndParses() throws Exception {
        String page = HtmlReport.render(ReportFixtures.languageModel(), ReportSubject.titled("tinylm model-fp32.onnx"));
        Document document = parse(page);

        assertThat(chartLabels(document))
                .anySatisfy(l -> assertThat(l).startsWith("Distribution of KL over 2501 prefill positions"))
                .anySatisfy(l -> assertThat(l).startsWith("Distribution of KL over 626 decode positions"))
                .anySatisfy(l -> assertThat(l).startsWith("Same top-1 by position in the window, 64 buckets of 2"))
                .anySatisfy(l -> assertThat(l).startsWith("Same top-1 by decode step, 32 buckets of 1"))
                .anySatisfy(l -> assertThat(l).startsWith("Distribution of 1 − cosine over 3751 vectors of logits"))
                .anySatisfy(l -> assertThat(l).startsWith("Sensitivity of the 3 most sensitive of 3 compressed tensors"))
                .anySatisfy(l -> assertThat(l).startsWith("Size against fidelity of the 3 candidates auto scored; KL mean"));
        // headline numbers come before the first chart
        assertThat(page.indexOf("KL mean (prefill)")).isLessThan(page.indexOf("<svg"));
        assertThat(text(document, "//div[@class='card'][div='Same top-1']/div[@class='big']")).isEqualTo("94.4 %");
        assertThat(text(document, "//div[@class='card'][div='Perplexity']/div[@class='big']")).isEqualTo("61.00 → 61.30");
        // the chosen candidate is ringed, once; the table numbers the candidates as the chart does
        assertThat(count(document, "//*[local-name()='circle'][@class='chosen']")).isEqualTo(1);
        assertThat(text(document, "//h2[@id='auto']/following::table[1]/tbody/tr[3]/td[1]")).isEqualTo("3");
        // the reproduction facts come last
        assertThat(page.indexOf("Inputs, settings and versions")).isGreaterThan(page.lastIndexOf("<svg"));
        assertThat(page).contains("cal.txt", "eval.txt", "1.29.0", "c".repeat(64));
    }

    @Test
    void anEncoderReportHasItsChartsAndNoLanguageModelSection() throws Exception {
        Document document = parse(HtmlReport.render(ReportFixtures.encoder(), ReportSubject.titled("all-minilm-l6-v2.onnx")));

        assertThat(chartLabels(document))
                .anySatisfy(l -> assertThat(l).startsWith("Distribution of 1 − cosine over 321 vectors of last_hidden_state"))
                .anySatisfy(l -> assertThat(l).startsWith("Sensitivity of the 1 most sensitive"))
                .noneSatisfy(l -> assertThat(l).contains("KL"))
                .noneSatisfy(l -> assertThat(l).startsWith("Size against fidelity"));
        assertThat(count(document, "//h2[@id='language-model']")).isZero();
        assertThat(text(document, "//div[@class='card'][div='Size']/div[@class='big']")).isEqualTo("16.1 %");
        assertThat(text(document, "//div[@class='card'][div='Latency']/div[@class='big']")).isEqualTo("0.97×");
    }

    @Test
    void hostileNamesAreTextNotMarkup() throws Exception {
        String title = "\"><img src=x onerror=alert(1)> http://evil.example/x.js \u0000\u001b";
        ReportSubject subject = new ReportSubject(title, Map.of("metadata.pipeline", "</td><script>steal()</script>"));
        for (FidelityReport report : List.of(ReportFixtures.languageModel(), ReportFixtures.encoder())) {
            String page = HtmlReport.render(report, subject);
            Document document = parse(page);

            assertThat(count(document, "//script | //*[local-name()='script'] | //img | //iframe | //object | //embed"
                    + " | //link | //base | //form | //*[local-name()='foreignObject']")).isZero();
            assertThat(attributes(document)).noneSatisfy(a -> assertThat(a).matches("(?i)(on\\w+|src|href|xlink:href|style|action)=.*"));
            // the hostile strings are there, as text
            assertThat(document.getDocumentElement().getTextContent()).contains(ReportFixtures.HOSTILE, "steal()",
                    "onerror=alert(1)");
            assertThat(page).contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;")
                    .doesNotContain("<script", "<img", "\u0000", "\u001b");
        }
    }

    @Test
    void nothingLoadsFromAnywhereAndThePolicyAllowsOnlyTheOwnStylesheet() throws Exception {
        String page = HtmlReport.render(ReportFixtures.languageModel(), ReportSubject.titled("model.onnx"));
        Document document = parse(page);

        assertThat(page).doesNotContain("http:", "https:", "//cdn", "url(", "@import", "@font-face");
        Element meta = (Element) XPathFactory.newInstance().newXPath()
                .evaluate("//meta[@http-equiv='Content-Security-Policy']", document, XPathConstants.NODE);
        assertThat(meta.getAttribute("content")).isEqualTo(HtmlReport.CONTENT_SECURITY_POLICY)
                .startsWith("default-src 'none'; ").contains("img-src 'none'", "base-uri 'none'");
        String style = XPathFactory.newInstance().newXPath().evaluate("//style", document); // untrimmed, as browsers hash it
        String hash = "sha256-" + Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(style.getBytes(StandardCharsets.UTF_8)));
        assertThat(HtmlReport.CONTENT_SECURITY_POLICY).contains("style-src '" + hash + "'");
        assertThat(count(document, "//style")).isEqualTo(1);
    }

    @Test
    void aReportWithSummariesOnlyStillRenders() throws Exception {
        FidelityReport encoder = ReportFixtures.encoder();
        FidelityReport old = new FidelityReport(encoder.schemaVersion(), encoder.method(), encoder.options(),
                encoder.inputSha256(), encoder.outputSha256(), false, encoder.sizes(), encoder.bitsPerWeight(),
                List.of(new FidelityReport.OutputFidelity("y", 0.99, 0.9, 0.1, 0.2, 20, null, null, 8)), List.of(), null,
                encoder.evaluation(), 7, Map.of(), encoder.versions(), List.of(), List.of());

        Document document = parse(HtmlReport.render(old, ReportSubject.titled("old")));

        assertThat(chartLabels(document)).isEmpty();
        assertThat(document.getDocumentElement().getTextContent()).contains("summaries only", "Not measured");
    }

    /** A report type with a verdict and a section this renderer does not know, as a newer engine may write. */
    record Verdict(String level, List<String> reasons) {}

    record NewerReport(Verdict verdict, List<FidelityReport.AutoCandidate> curve, String method) {}

    @Test
    void aVerdictAndUnknownSectionsOfANewerReportAreShown() throws Exception {
        NewerReport newer = new NewerReport(new Verdict("degraded", List.of("cosine 0.97 < 0.99 " + ReportFixtures.HOSTILE)),
                List.of(new FidelityReport.AutoCandidate("all int4", 10, 0.2, 0.97, null, false, true)), "int4");
        Html html = new Html();
        html.open("div");
        HtmlReport.verdict(html, newer);
        HtmlReport.more(html, newer);
        html.close("div");

        Document document = parse(html.toString());

        assertThat(text(document, "//div[@role='status']")).isEqualTo("Verdict: degraded");
        assertThat(((Element) XPathFactory.newInstance().newXPath().evaluate("//div[@role='status']", document,
                XPathConstants.NODE)).getAttribute("class")).isEqualTo("verdict degraded");
        assertThat(document.getDocumentElement().getTextContent()).contains("reasons", ReportFixtures.HOSTILE,
                "curve", "sizeRatio", "all int4");
        // method is a component this page shows elsewhere, so "More in this report" leaves it out
        assertThat(count(document, "//th[.='method']")).isZero();
    }


    /** Every attribute of every element, as {@code name=value}. */
    static List<String> attributes(Document document) {
        List<String> all = new ArrayList<>();
        collect(document.getDocumentElement(), all);
        return all;
    }

    private static void collect(Node node, List<String> all) {
        NamedNodeMap attributes = node.getAttributes();
        if (attributes != null) {
            for (int i = 0; i < attributes.getLength(); i++) {
                all.add(attributes.item(i).getNodeName() + "=" + attributes.item(i).getNodeValue());
            }
        }
        NodeList children = node.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            collect(children.item(i), all);
        }
    }
}
