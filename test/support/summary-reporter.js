/**
 * Prints the closing line CI reads, exactly `N passed, N failed` (skipped tests, if any, on the line
 * before). Suites that fail to load count as failed tests so a broken file never reads as green.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const lines = [`${results.numPassedTests} passed, ${failed} failed`];
    if (skipped > 0) lines.unshift(`${skipped} skipped`);
    // Jest's own summary is written after onRunComplete; print ours when the process exits so it is
    // the last line of the run's output.
    process.once('exit', () => process.stdout.write(`\n${lines.join('\n')}\n`));
  }
}
module.exports = SummaryReporter;
