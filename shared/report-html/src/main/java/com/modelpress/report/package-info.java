/** The fidelity report as one self-contained HTML page (inline SVG, no script, nothing loaded from elsewhere). */
package com.modelpress.report;
