package com.modelpress.report.testing;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

/** Reading a rendered report page (well-formed XHTML) in tests: its document, charts, texts and counts. Stateless. */
public final class ReportPages {

    private ReportPages() {
    }

    /** The page as a DOM, with secure processing and without expanding entities; fails when it is not well-formed. */
    public static Document parse(String page) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setExpandEntityReferences(false);
        return factory.newDocumentBuilder().parse(new InputSource(new StringReader(page)));
    }

    /** The {@code aria-label} of every inline SVG chart, in page order. */
    public static List<String> chartLabels(Document document) throws Exception {
        NodeList charts = (NodeList) XPathFactory.newInstance().newXPath()
                .evaluate("//*[local-name()='svg']", document, XPathConstants.NODESET);
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < charts.getLength(); i++) {
            labels.add(((Element) charts.item(i)).getAttribute("aria-label"));
        }
        return labels;
    }

    /** The text {@code xpath} selects, stripped of surrounding white space. */
    public static String text(Document document, String xpath) throws Exception {
        return XPathFactory.newInstance().newXPath().evaluate(xpath, document).trim();
    }

    /** How many nodes {@code xpath} selects. */
    public static int count(Document document, String xpath) throws Exception {
        return ((NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, document, XPathConstants.NODESET)).getLength();
    }
}
