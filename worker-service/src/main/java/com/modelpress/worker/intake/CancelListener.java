package com.modelpress.worker.intake;

import com.modelpress.contracts.job.CancelMessage;
import com.modelpress.worker.attempt.CancelledJobs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageListener;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** Records each broadcast {@link CancelMessage}; a malformed one is logged and dropped. */
class CancelListener implements MessageListener {

    private static final Logger log = LoggerFactory.getLogger(CancelListener.class);

    private final CancelledJobs cancelled;
    private final JsonMapper json;

    CancelListener(CancelledJobs cancelled, JsonMapper json) {
        this.cancelled = cancelled;
        this.json = json;
    }

    @Override
    public void onMessage(Message message) {
        try {
            CancelMessage cancel = json.readValue(message.getBody(), CancelMessage.class);
            if (cancel == null || cancel.jobId() == null) {
                log.warn("cancel message without jobId dropped");
                return;
            }
            cancelled.cancel(cancel.jobId());
            log.info("job {} cancelled", cancel.jobId());
        } catch (JacksonException e) {
            log.warn("malformed cancel message dropped: {}", e.getOriginalMessage());
        }
    }
}
