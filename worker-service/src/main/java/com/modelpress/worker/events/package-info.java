/**
 * An attempt's job events on the broker: numbered from 1 per attempt
 * ({@link com.modelpress.worker.events.AttemptEvents}), published one at a time with a publisher confirm
 * ({@link com.modelpress.worker.events.EventPublisher}), progress throttled per step
 * ({@link com.modelpress.worker.events.ProgressThrottle}).
 */
package com.modelpress.worker.events;
