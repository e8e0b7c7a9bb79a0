var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddGenerator();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
