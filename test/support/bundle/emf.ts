/** One CloudWatch Embedded Metric Format line as Powertools writes it to stdout. */
export interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [member: string]: unknown;
}

/**
 * The EMF lines among a function's output lines.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export function emfLines(lines: readonly string[]): EmfLine[] {
  return lines.flatMap((line) => {
    try {
      const parsed = JSON.parse(line);
      return parsed?._aws?.CloudWatchMetrics ? [parsed as EmfLine] : [];
    } catch {
      return [];
    }
  });
}

/** Every metric name a line carries. */
export function metricNames(line: EmfLine): string[] {
  return line._aws.CloudWatchMetrics.flatMap((set) => set.Metrics.map((metric) => metric.Name));
}

/** The JSON log lines (not EMF) among a function's output lines. */
export function logRecords(lines: readonly string[]): Array<Record<string, unknown>> {
  return lines.flatMap((line) => {
    try {
      const parsed = JSON.parse(line);
      return parsed && typeof parsed === 'object' && !parsed._aws ? [parsed] : [];
    } catch {
      return [];
    }
  });
}
