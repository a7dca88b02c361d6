namespace Dm3.App.Runtime;

/// <summary>Completes once the runtime's tables and queues exist (the initializer runs after Kestrel listens).</summary>
public sealed class StorageReadiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    public Task WaitAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    internal void MarkReady() => _ready.TrySetResult();
}
