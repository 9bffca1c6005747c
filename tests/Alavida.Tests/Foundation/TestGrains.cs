using Orleans.Placement;
using Alavida.Grains;
using Alavida.Tests.Infrastructure;

namespace Alavida.Tests.Foundation;

/// <summary>A grain with persisted state, to prove storage through our SQL.</summary>
[Alias("Alavida.Tests.INoteGrain")]
public interface INoteGrain : IGrainWithStringKey
{
    [Alias("Write")]
    Task<string> WriteAsync(string text);

    [Alias("Read")]
    Task<NoteView> ReadAsync();
}

[GenerateSerializer, Immutable, Alias("Alavida.Tests.NoteView")]
public sealed record NoteView([property: Id(0)] string? Text, [property: Id(1)] int Writes, [property: Id(2)] string Silo);

[GenerateSerializer, Alias("Alavida.Tests.NoteState")]
public sealed class NoteState
{
    [Id(0)] public string? Text { get; set; }
    [Id(1)] public int Writes { get; set; }
}

// Random placement: the default (resource-optimised) may put every note on one silo of a loaded machine, which the
// graceful-stop test needs to avoid.
[RandomPlacement]
public sealed class NoteGrain([PersistentState("note", StorageNames.Main)] IPersistentState<NoteState> state) : Grain, INoteGrain
{
    public async Task<string> WriteAsync(string text)
    {
        state.State.Text = text;
        state.State.Writes++;
        await state.WriteStateAsync();
        return RuntimeIdentity;
    }

    public Task<NoteView> ReadAsync() => Task.FromResult(new NoteView(state.State.Text, state.State.Writes, RuntimeIdentity));
}

/// <summary>A grain that arms a reminder and raises a signal when it fires.</summary>
[Alias("Alavida.Tests.IAlarmGrain")]
public interface IAlarmGrain : IGrainWithStringKey
{
    [Alias("Arm")]
    Task ArmAsync(TimeSpan due);
}

public sealed class AlarmGrain : Grain, IAlarmGrain, IRemindable
{
    public Task ArmAsync(TimeSpan due) => this.RegisterOrUpdateReminder("alarm", due, TimeSpan.FromMinutes(1));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var reminder = await this.GetReminder(reminderName);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }

        Signals.Raise($"alarm:{this.GetPrimaryKeyString()}", reminderName);
    }
}
