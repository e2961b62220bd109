package com.modelpress.api.job;

import java.util.List;

/**
 * One page of jobs, oldest first.
 *
 * @param next nullable: the {@code after} cursor of the next page; null on the last page
 */
record JobPage(List<JobView> items, String next) {}
