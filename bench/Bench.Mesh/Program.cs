using Alavida.Bench;
using Bench;

return await Harness.RunAsync(new MeshSystem(), args);
