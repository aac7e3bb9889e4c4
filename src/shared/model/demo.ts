/** Probabilities (0..1) of each failure the simulated LLM provider produces; the rest succeed. */
export interface FailureMixSettings {
  quota: number;
  timeout: number;
  invalidJson: number;
  missingFields: number;
  serverError: number;
}
