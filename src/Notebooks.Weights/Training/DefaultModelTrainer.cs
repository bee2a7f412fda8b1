using Notebooks.Weights.Models;
using Notebooks.Weights.Models.Default;
using Notebooks.Weights.Runtime;
using static TorchSharp.torch;

namespace Notebooks.Weights.Training;

/// <summary>
/// Trains a <see cref="DefaultNet"/> on <see cref="SyntheticScenes"/>: AdamW with cosine-annealed
/// learning rate, cross-entropy on the logits, a fresh generated batch every step, all randomness
/// from <see cref="TrainOptions.Seed"/>. Runs with a fixed thread count so the same options give
/// bitwise identical weights on the same machine/runtime.
/// </summary>
public static class DefaultModelTrainer
{
    /// <summary>Builds the untrained network exactly as training starts it
    /// (<see cref="DefaultNet.ResetParameters"/> with <paramref name="seed"/>).</summary>
    public static DefaultNet Initialize(DefaultNetConfig config, long seed)
    {
        TorchRuntime.EnsureLoaded();
        return new DefaultNet(config, seed);
    }

    /// <summary>Trains and returns the model (name "default") with its record.
    /// <paramref name="progress"/> gets (step, loss) now and then.</summary>
    public static (VisionModel Model, TrainingRecord Record) Train(
        TrainOptions options,
        Action<int, double>? progress = null,
        string command = ""
    )
    {
        options.Validate();
        TorchRuntime.EnsureLoaded();
        using var finalizersHeld = FinalizerGate.Hold();
        int savedThreads = get_num_threads();
        set_num_threads(options.Threads);
        try
        {
            var net = Initialize(options.Config, options.Seed);
            net.train();
            var parameters = net.parameters().ToList();
            var opt = optim.AdamW(
                parameters,
                options.LearningRate,
                weight_decay: options.WeightDecay
            );
            var sched = optim.lr_scheduler.CosineAnnealingLR(opt, options.Steps);
            ulong dataSeed = unchecked((ulong)options.Seed);
            double loss = double.NaN;
            for (int step = 0; step < options.Steps; step++)
            {
                using var scope = NewDisposeScope();
                var (x, y) = SyntheticScenes.Batch(
                    dataSeed,
                    SyntheticScenes.TrainStream,
                    (long)step * options.BatchSize,
                    options.BatchSize,
                    options.Config.InputSize,
                    options.Rotate90
                );
                opt.zero_grad();
                var l = nn.functional.cross_entropy(
                    net.Logits(DefaultModel.Input.Preprocess(x)),
                    y
                );
                l.backward();
                opt.step();
                sched.step();
                loss = l.item<float>();
                if (!double.IsFinite(loss))
                    throw new InvalidOperationException(
                        $"Training diverged at step {step} (loss {loss}); lower the learning rate."
                    );
                if (progress != null && (step % 25 == 0 || step == options.Steps - 1))
                    progress(step, loss);
            }
            net.eval();
            var model = DefaultModel.Wrap(net);
            double trainAcc = Accuracy(
                model,
                dataSeed,
                SyntheticScenes.TrainStream,
                Math.Min(options.ValidationSize, options.Steps * options.BatchSize),
                options.Config.InputSize,
                options.Rotate90
            );
            double valAcc = Accuracy(
                model,
                dataSeed,
                SyntheticScenes.ValidationStream,
                options.ValidationSize,
                options.Config.InputSize,
                options.Rotate90
            );
            var record = new TrainingRecord(
                model.Name,
                options.Config.Head.ToString(),
                options.Rotate90,
                options.Seed,
                options.Steps,
                options.BatchSize,
                options.LearningRate,
                options.WeightDecay,
                options.Threads,
                SyntheticScenes.Version,
                loss,
                trainAcc,
                valAcc,
                model.WeightsHash,
                command,
                typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? ""
            );
            return (model, record);
        }
        finally
        {
            set_num_threads(savedThreads);
        }
    }

    /// <summary>Top-1 accuracy of <paramref name="model"/> on <paramref name="count"/> generated
    /// images of a stream.</summary>
    public static double Accuracy(
        VisionModel model,
        ulong seed,
        ulong stream,
        int count,
        int size = 64,
        bool rotate90 = false
    )
    {
        if (count < 1)
            throw new ArgumentOutOfRangeException(
                nameof(count),
                $"Count must be positive; got {count}."
            );
        long correct = 0;
        using var _ = no_grad();
        for (int start = 0; start < count; start += 200)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(200, count - start);
            var (x, y) = SyntheticScenes.Batch(seed, stream, start, n, size, rotate90);
            correct += model.Forward(x).argmax(1).eq(y).sum().item<long>();
        }
        return (double)correct / count;
    }
}
