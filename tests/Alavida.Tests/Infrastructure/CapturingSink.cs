using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace Alavida.Tests.Infrastructure;

/// <summary>A Serilog sink for tests: keeps every event and lets a test await one that matches.</summary>
public sealed class CapturingSink : ILogEventSink
{
    private readonly ConcurrentQueue<(Func<LogEvent, bool> Match, TaskCompletionSource<LogEvent> Done)> _waiters = new();
    private readonly ConcurrentQueue<LogEvent> _events = new();

    /// <summary>Every event so far.</summary>
    public IReadOnlyCollection<LogEvent> Events => _events;

    public void Emit(LogEvent logEvent)
    {
        _events.Enqueue(logEvent);
        foreach (var (match, done) in _waiters)
        {
            if (match(logEvent))
            {
                done.TrySetResult(logEvent);
            }
        }
    }

    public Task<LogEvent> WaitForAsync(Func<LogEvent, bool> match)
    {
        var done = new TaskCompletionSource<LogEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters.Enqueue((match, done));
        if (_events.FirstOrDefault(match) is { } seen)
        {
            done.TrySetResult(seen);
        }

        return done.Task;
    }
}
