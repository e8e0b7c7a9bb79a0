var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddProcessor();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
