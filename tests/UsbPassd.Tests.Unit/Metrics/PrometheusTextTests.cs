using UsbPassd.Metrics;

namespace UsbPassd.Tests.Unit.Metrics;

public class PrometheusTextTests
{
    [Fact]
    public void Writes_families_samples_and_escaped_labels_in_the_exposition_format()
    {
        string text = new PrometheusText()
            .Family("usbpassd_devices", "gauge", "Live rows by status.")
            .Sample("usbpassd_devices", 3, ("status", "available"))
            .Sample("usbpassd_devices", 0.5, ("port", "a\"b\\c\nd"))
            .ToString();

        Assert.Equal(
            "# HELP usbpassd_devices Live rows by status.\n# TYPE usbpassd_devices gauge\n" +
            "usbpassd_devices{status=\"available\"} 3\nusbpassd_devices{port=\"a\\\"b\\\\c\\nd\"} 0.5\n", text);
    }

    [Fact]
    public void A_histogram_is_cumulative_with_sum_count_and_an_infinite_bucket()
    {
        var h = new LatencyHistogram();
        h.Observe(0.0004);
        h.Observe(0.003);
        h.Observe(0.003);
        h.Observe(10);

        string[] lines = new PrometheusText().Histogram("lat_seconds", "Latency.", h).ToString().Split('\n');

        Assert.Contains("lat_seconds_bucket{le=\"0.0005\"} 1", lines);
        Assert.Contains("lat_seconds_bucket{le=\"0.0025\"} 1", lines);
        Assert.Contains("lat_seconds_bucket{le=\"0.005\"} 3", lines);
        Assert.Contains("lat_seconds_bucket{le=\"2.5\"} 3", lines);
        Assert.Contains("lat_seconds_bucket{le=\"+Inf\"} 4", lines);
        Assert.Contains("lat_seconds_count 4", lines);
        Assert.Contains("lat_seconds_sum 10.0064", lines);
    }
}
