using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Orum.Auth.IntegrationTests.TestSupport;

/// <summary>
/// Every metric tag and every stopped activity's name, status, tags and event tags, from every Meter and ActivitySource in
/// the process, as text to scan.
/// </summary>
public sealed class TelemetryRecorder : IDisposable
{
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _activities;
    private readonly List<string> _texts = [];

    public TelemetryRecorder()
    {
        _meters.InstrumentPublished = (instrument, listener) => listener.EnableMeasurementEvents(instrument);
        _meters.SetMeasurementEventCallback<long>((i, _, tags, _) => Record(i, tags));
        _meters.SetMeasurementEventCallback<double>((i, _, tags, _) => Record(i, tags));
        _meters.SetMeasurementEventCallback<int>((i, _, tags, _) => Record(i, tags));
        _meters.Start();
        _activities = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(_activities);
    }

    /// <summary>Gets the Orum.Auth token request spans seen so far (a check that the scenario was traced at all).</summary>
    public int OrumSpans { get; private set; }

    public IReadOnlyList<string> Texts
    {
        get
        {
            lock (_texts)
            {
                return [.. _texts];
            }
        }
    }

    public void Dispose()
    {
        _meters.Dispose();
        _activities.Dispose();
    }

    private void Record(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (_texts)
        {
            foreach (var tag in tags)
            {
                _texts.Add($"{instrument.Meter.Name}/{instrument.Name}: {tag.Key}={tag.Value}");
            }
        }
    }

    private void Record(Activity activity)
    {
        lock (_texts)
        {
            OrumSpans += activity.Source.Name == "Orum.Auth" ? 1 : 0;
            _texts.Add(activity.DisplayName);
            _texts.Add(activity.StatusDescription ?? string.Empty);
            _texts.AddRange(activity.TagObjects.Select(t => $"{activity.Source.Name}: {t.Key}={t.Value}"));
            _texts.AddRange(activity.Baggage.Select(b => $"{activity.Source.Name}: baggage {b.Key}={b.Value}"));
            _texts.AddRange(activity.Events.SelectMany(e => e.Tags.Select(t => $"{activity.Source.Name}: {e.Name} {t.Key}={t.Value}")));
        }
    }
}
