/**
 * Prints the closing line CI reads: `N passed, N failed` (plus `, N skipped` when any were skipped).
 * Suites that fail to load count as failed tests so a broken file never reads as green.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : '');
    // Jest's own summary is written after onRunComplete; print ours when the process exits so it is
    // the last line of the run's output.
    process.once('exit', () => process.stdout.write(`\n${line}\n`));
  }
}
module.exports = SummaryReporter;
