using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Events;

namespace Notebooks.Weights.Cli.Notebook;

/// <summary>
/// The NuGet package-extension loader of the <c>dotnet-interactive</c> tool (its
/// KernelExtensionLoader and PackageDirectoryExtensionLoader are internal to the tool, so this is
/// the same behavior written here): after a command that added packages, each package folder with
/// <c>interactive-extensions/dotnet</c> gets its <see cref="IKernelExtension"/> types loaded from
/// the DLLs there and its <c>extension.dib</c> run in the kernel, with the same "Loading extension
/// script from `…`" message.
/// </summary>
public static class PackageExtensionLoader
{
    /// <summary>Adds the loader to <paramref name="kernel"/>.</summary>
    public static void Use(CompositeKernel kernel)
    {
        var added = new ConcurrentQueue<PackageAdded>();
        var seenRoots = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var loadedAssemblies = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var loading = new AsyncLocal<bool>();
        kernel.RegisterForDisposal(
            kernel
                .KernelEvents.OfType<PackageAdded>()
                .Where(p =>
                    p.PackageReference.PackageRoot is { } root && seenRoots.TryAdd(root, true)
                )
                .Subscribe(added.Enqueue)
        );
        kernel.AddMiddleware(
            async (command, context, next) =>
            {
                await next(command, context);
                // An extension.dib runs as commands of its own: packages it adds wait for the loop
                // below to reach them, so every package's message lands in the cell that referenced
                // it, in order.
                if (loading.Value)
                    return;
                loading.Value = true;
                try
                {
                    while (added.TryDequeue(out var package))
                    {
                        var dir = new DirectoryInfo(
                            Path.Combine(
                                package.PackageReference.PackageRoot,
                                "interactive-extensions",
                                "dotnet"
                            )
                        );
                        if (!dir.Exists)
                            continue;
                        foreach (var dll in dir.GetFiles("*.dll"))
                        {
                            if (
                                !loadedAssemblies.TryAdd(
                                    AssemblyName.GetAssemblyName(dll.FullName).FullName,
                                    true
                                )
                            )
                                continue;
                            var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(
                                dll.FullName
                            );
                            foreach (
                                var type in assembly.ExportedTypes.Where(t =>
                                    !t.IsAbstract
                                    && !t.IsInterface
                                    && !t.IsGenericTypeDefinition
                                    && typeof(IKernelExtension).IsAssignableFrom(t)
                                )
                            )
                            {
                                await (
                                    (IKernelExtension)Activator.CreateInstance(type)!
                                ).OnLoadAsync(kernel);
                            }
                        }
                        var script = new FileInfo(Path.Combine(dir.FullName, "extension.dib"));
                        if (script.Exists)
                        {
                            KernelInvocationContextExtensions.Display(
                                context,
                                $"Loading extension script from `{script.FullName}`"
                            );
                            await kernel.LoadAndRunInteractiveDocument(script, context.Command);
                        }
                    }
                }
                finally
                {
                    loading.Value = false;
                }
            }
        );
    }
}
